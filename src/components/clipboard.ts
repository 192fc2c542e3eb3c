/*
 * Copy text for the code blocks' copy buttons and the lab terminal.
 * A workshop served over plain http on a LAN is not a secure context and
 * has no Clipboard API; the old selection-based copy still works there.
 */
export async function writeClipboard(text: string): Promise<void> {
  if (window.isSecureContext && navigator.clipboard) {
    return navigator.clipboard.writeText(text);
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy failed');
}
