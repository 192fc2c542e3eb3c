// kernel/sysfs: the example the article only promised, /sys/kernel/my_sysfs/data.
import { describeLesson } from '../helpers/guest.ts';
import { attributeFileTests } from './attribute-file.ts';

describeLesson('sysfs', {
  fixed: (vm) => {
    attributeFileTests(vm, { module: 'sysfs_example', file: '/sys/kernel/my_sysfs/data', initialised: 'My sysfs file initialized', longWrite: 'whole' });
  },
});
