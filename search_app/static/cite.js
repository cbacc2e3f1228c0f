// "Cite": copy the ready citation instead of opening it. Without script (or if the clipboard
// is refused) the link still opens the citation as plain text.
document.addEventListener("click", async (event) => {
  const link = event.target.closest("a[data-cite]");
  if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  let text;
  try {
    const response = await fetch(link.href, { headers: { Accept: "text/plain" } });
    if (!response.ok) throw new Error(String(response.status));
    text = (await response.text()).trim();
  } catch (error) {
    window.location.href = link.href;
    return;
  }
  let shown = link.parentElement.querySelector("output.cite-text");
  if (!shown) {
    shown = document.createElement("output");
    shown.className = "cite-text";
    link.parentElement.appendChild(shown);
  }
  shown.textContent = text;
  try {
    await navigator.clipboard.writeText(text);
    link.dataset.copied = "true";
    link.setAttribute("aria-live", "polite");
    link.firstChild.textContent = "Copied";
    setTimeout(() => { link.firstChild.textContent = "Cite"; }, 2000);
  } catch (error) {
    link.dataset.copied = "false"; // the citation stays shown for copying by hand
  }
});
