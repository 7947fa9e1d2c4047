// Run axe-core (already injected from node_modules/axe-core/axe.min.js) on the page for the WCAG 2.0
// and 2.1 A/AA rules; call back with the violations: [{id, impact, help, targets: [...]}].
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                   resultTypes: ["violations"]})
  .then((result) => done(result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
    html: v.nodes.map((n) => n.html.slice(0, 160)),
  }))))
  .catch((error) => done([{id: "axe-error", impact: "critical", help: String(error), targets: [], html: []}]));
