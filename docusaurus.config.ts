/*
 * The site: the lessons under docs/ at the root of the URL space, so that
 * every lesson has a short, stable address a syllabus can print
 * (/syscall, /zh-Hans/syscall, /syscall#build-and-run). The slugs live in
 * each page's front matter, never in its file name.
 */
import type {Config} from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';
import generatedFilesAsAuto from './site/generated-files-as-auto.ts';
import {mdxPlugins} from './site/mdx-plugins.ts';
import lessonSources from './site/lesson-sources.ts';
import tabAssets from './site/tab-assets.ts';

/**
 * Where the site lives on its host: '/' by default; UKLAB_BASE_URL for a
 * site under a path (UKLAB_BASE_URL=/user-kernel-lab/ for a project page).
 * Every URL the site makes, the tab lab's files included, starts with it.
 */
function baseUrl(): string {
  const raw = process.env.UKLAB_BASE_URL?.trim();
  if (!raw) return '/';
  return `/${raw.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');
}

const config: Config = {
  title: 'User ⇄ Kernel Lab',
  tagline: 'How Linux user space and the kernel talk to each other, run for real',
  favicon: 'img/logo.svg',
  url: 'http://localhost',
  baseUrl: baseUrl(),
  trailingSlash: false,

  // Broken links, anchors and Markdown links are errors, never warnings:
  // a syllabus links to our anchors and must not end up on a dead one.
  onBrokenLinks: 'throw',
  onBrokenAnchors: 'throw',
  markdown: {
    format: 'mdx',
    hooks: {
      onBrokenMarkdownLinks: 'throw',
      onBrokenMarkdownImages: 'throw',
    },
    // Parsing is otherwise Docusaurus' default, which the tests assume when
    // they read a page's steps from its source (site/mdx-tree.ts).
  },

  i18n: {
    defaultLocale: 'en',
    locales: ['en', 'zh-Hans'],
    localeConfigs: {
      en: {label: 'English', htmlLang: 'en'},
      'zh-Hans': {label: '简体中文', htmlLang: 'zh-Hans'},
    },
  },

  presets: [
    [
      'classic',
      {
        docs: {
          routeBasePath: '/',
          sidebarPath: './sidebars.ts',
          // Code includes, runnable steps, highlighting: one list with site/check-mdx.ts.
          ...mdxPlugins,
        },
        blog: false,
        theme: {customCss: './src/css/custom.css'},
      } satisfies Preset.Options,
    ],
  ],

  plugins: [generatedFilesAsAuto, tabAssets, lessonSources],

  // On every page: whether the exercises' solutions show (a workshop's server or a link can hide them).
  clientModules: ['./src/client/solutions.ts'],

  themes: [
    [
      '@easyops-cn/docusaurus-search-local',
      {
        // Built into the site at build time: no hosted search service.
        hashed: true,
        language: ['en', 'zh'],
        docsRouteBasePath: '/',
        indexBlog: false,
        indexPages: false,
        highlightSearchTermsOnTargetPage: true,
        explicitSearchResultPath: true,
      },
    ],
  ],

  themeConfig: {
    colorMode: {
      defaultMode: 'light',
      respectPrefersColorScheme: true,
    },
    navbar: {
      title: 'User ⇄ Kernel Lab',
      logo: {alt: 'User ⇄ Kernel Lab', src: 'img/logo.svg'},
      items: [
        {type: 'docSidebar', sidebarId: 'lessons', position: 'left', label: 'Lessons'},
        {type: 'doc', docId: 'instructors', position: 'left', label: 'For instructors'},
        {type: 'localeDropdown', position: 'right'},
        {type: 'search', position: 'right'},
      ],
    },
    footer: {
      style: 'dark',
      links: [
        {
          title: 'Start',
          items: [
            {label: 'Overview', to: '/overview'},
            {label: 'Choosing a mechanism', to: '/choosing'},
          ],
        },
        {
          title: 'Teach',
          items: [{label: 'For instructors', to: '/instructors'}],
        },
        {
          title: 'Reference',
          items: [
            {label: 'The Linux kernel documentation', href: 'https://docs.kernel.org/'},
            {label: 'Linux man pages', href: 'https://man7.org/linux/man-pages/'},
          ],
        },
      ],
      copyright: 'User ⇄ Kernel Lab. Code under GPL-2.0.',
    },
    docs: {sidebar: {hideable: true}},
    tableOfContents: {minHeadingLevel: 2, maxHeadingLevel: 3},
  } satisfies Preset.ThemeConfig,
};

export default config;
