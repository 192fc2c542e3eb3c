/*
 * Where the site's own files are, for every locale. Pure: the page and the
 * site build (site/tab-assets.ts) both use it.
 */

/**
 * The site's own base URL, without the locale's path: a translated page's
 * base URL is /zh-Hans/ under the site's /, but the tab lab's files are
 * built once, for every locale, so that a reader who switches languages
 * does not download the lab again (site/tab-assets.ts).
 */
export function siteRootUrl(baseUrl: string, i18n: {currentLocale: string; defaultLocale: string; localeConfigs: Record<string, {path?: string} | undefined>}): string {
  if (i18n.currentLocale === i18n.defaultLocale) return baseUrl;
  const localePath = `${i18n.localeConfigs[i18n.currentLocale]?.path ?? i18n.currentLocale}/`;
  return baseUrl.endsWith(`/${localePath}`) ? baseUrl.slice(0, -localePath.length) : baseUrl;
}
