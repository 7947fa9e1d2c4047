// Every output and code block of the page: does it fit, or can it be scrolled into view?
// Returns {checked: N, problems: ["what (why)", ...]}. Folded cells (hide-input, hide-output) are opened
// first: a reader who opens one must be able to read it too.
document.querySelectorAll("details").forEach((d) => { d.open = true; });
const article = document.querySelector("article") || document.querySelector("main") || document.body;
const name = (el) => {
  const cls = (typeof el.className === "string" && el.className.trim()) ? "." + el.className.trim().split(/\s+/).slice(0, 2).join(".") : "";
  return el.tagName.toLowerCase() + cls;
};
const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
const clips = (el) => ["hidden", "clip"].includes(getComputedStyle(el).overflowX);
function problem(el, content) {
  // content: what el holds (its scroll width) must be reachable; otherwise only its box must fit
  if (content && scrolls(el)) return problem(el, false);          // its own scroll bar reaches its content
  if (content && clips(el) && el.scrollWidth > el.clientWidth + 1)
    return `its content is cut off (${el.scrollWidth} px in a ${el.clientWidth} px box)`;
  const box = el.getBoundingClientRect();
  const right = content ? box.left + Math.max(el.scrollWidth, box.width) : box.right;
  for (let node = el.parentElement; node && node !== document.documentElement; node = node.parentElement) {
    if (scrolls(node)) return problem(node, false);                 // reachable inside a scrolling box that must fit
    if (clips(node) && right > node.getBoundingClientRect().right + 1)
      return `cut off by ${name(node)} at ${Math.round(node.getBoundingClientRect().right)} px (reaches ${Math.round(right)} px)`;
  }
  const width = document.documentElement.clientWidth;
  if (right > width + 1) return `reaches ${Math.round(right)} px, beyond the ${width} px window`;
  return null;
}
const selector = "div.cell_output table, div.cell_output pre, div.cell_output img, div.cell_output svg, " +
                 "div.cell_output .output, div.cell_input pre, div.highlight pre, article table";
const elements = Array.from(new Set(article.querySelectorAll(selector)))
  .filter((el) => el.getClientRects().length > 0);                  // rendered (not inside a closed toggle)
const problems = [];
const reported = [];
for (const el of elements) {
  if (reported.some((r) => r.contains(el))) continue;           // one line for a table and its output box
  const why = problem(el, true);
  if (why) reported.push(el);
  if (why) problems.push(`${name(el)} "${(el.innerText || el.getAttribute("alt") || "").trim().slice(0, 60)}": ${why}`);
}
return {checked: elements.length, problems: problems};
