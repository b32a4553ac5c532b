// The output box: text is only ever appended as text nodes (agent output is never parsed as markup), the box keeps
// at most MAX_CHARS (the oldest nodes go), and the view follows the end only when the reader was already there.
const MAX_CHARS = 2_000_000;

/** Returns `append`, to be called once per relay answer, not per event: reading the page's length or layout per
 * event froze the tab on a burst. The character count is kept as text comes and goes, never measured again. */
export function outputBox(out: HTMLElement): (text: string) => void {
  let chars = (out.textContent ?? '').length;
  return (text) => {
    if (!text) return;
    const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    out.appendChild(document.createTextNode(text));
    chars += text.length;
    while (chars > MAX_CHARS && out.firstChild && out.firstChild !== out.lastChild) {
      chars -= (out.firstChild.textContent ?? '').length;
      out.removeChild(out.firstChild);
    }
    if (atBottom) window.scrollTo(0, document.body.scrollHeight);
  };
}
