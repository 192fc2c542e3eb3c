/*
 * One sidebar, in the order of the article the lessons grew from: first
 * the map, then what a module is, then the six mechanisms, then how to
 * choose, the glossary, then the teachers' page. Items are doc ids (set in front
 * matter), so renaming a file cannot move a lesson.
 */
import type {SidebarsConfig} from '@docusaurus/plugin-content-docs';

const sidebars: SidebarsConfig = {
  lessons: [
    'overview',
    'hello',
    {
      type: 'category',
      label: 'The six mechanisms',
      collapsible: false,
      items: ['syscall', 'signal', 'mmap', 'ioctl', 'netlink', 'procfs-sysfs'],
    },
    'choosing',
    'glossary',
    'instructors',
  ],
};

export default sidebars;
