// Chapter 5's demo: the book's fine-tuned model, run by Transformers.js in the reader's browser.
//
// Every file comes from this site (copied into _static/sentiment-demo/ by _ext/web_demo.py):
// status.json first, then Transformers.js's bundle, ONNX Runtime Web's WebAssembly and the
// int8 ONNX model. Remote model loading is switched off, so no request leaves the site.
// The page's HTML (written by chapter 5) holds the form; this script only wires it up.

const BASE = new URL("./", import.meta.url);
const MODEL = "book-model";

let classifier = null; // a promise of the Transformers.js pipeline, started once per page

async function readStatus() {
  try {
    const response = await fetch(new URL("status.json", BASE));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return await response.json();
  } catch (error) {
    return { runtime: false, model: false, problems: [`the demo's files are not on this site (${error.message})`] };
  }
}

async function loadClassifier() {
  const status = await readStatus();
  if (!status.runtime || !status.model) {
    const error = new Error(status.problems.join("; "));
    error.unavailable = true;
    throw error;
  }
  const { pipeline, env } = await import(new URL("transformers/transformers.min.js", BASE).href);
  env.allowRemoteModels = false; // never the Hugging Face hub
  env.allowLocalModels = true;
  env.localModelPath = new URL("models/", BASE).pathname; // a path: Transformers.js looks for local files by path
  env.backends.onnx.wasm.wasmPaths = { // never a CDN: the WebAssembly files copied beside this script
    mjs: new URL("ort/ort-wasm-simd-threaded.mjs", BASE).href,
    wasm: new URL("ort/ort-wasm-simd-threaded.wasm", BASE).href,
  };
  return pipeline("text-classification", MODEL, { dtype: "q8", device: "wasm" });
}

function format(p) {
  return p.toFixed(3);
}

function show(root, probabilities, milliseconds) {
  const labels = Object.keys(probabilities);
  const best = labels.reduce((a, b) => (probabilities[a] >= probabilities[b] ? a : b));
  const result = root.querySelector(".sd-result");
  result.dataset.probabilities = JSON.stringify(probabilities);
  result.dataset.label = best;
  result.dataset.milliseconds = milliseconds.toFixed(1);
  result.hidden = false;
  root.querySelector(".sd-label").textContent = best;
  root.querySelector(".sd-score").textContent = format(probabilities[best]);
  for (const label of labels) {
    const part = root.querySelector(`.sd-bar-${label}`);
    if (part) {
      part.style.width = `${(100 * probabilities[label]).toFixed(1)}%`;
      part.querySelector(".sd-bar-text").textContent = `${label} ${format(probabilities[label])}`;
    }
  }
  root.querySelector(".sd-probs").textContent = labels.map((label) => `P(${label}) = ${format(probabilities[label])}`).join(", ");
  root.querySelector(".sd-bar").setAttribute(
    "aria-label", labels.map((label) => `${label} ${format(probabilities[label])}`).join(", "));
  root.querySelector(".sd-status").textContent =
    `The model says ${best} (probability ${format(probabilities[best])}), computed in this browser in ${Math.round(milliseconds)} ms.`;
}

function unavailable(root, error) {
  root.querySelector(".sd-status").textContent = error.unavailable
    ? "The demo cannot run on this copy of the book."
    : `The model could not run in this browser: ${error.message}`;
  const fallback = root.querySelector(".sd-fallback");
  fallback.querySelector(".sd-why").textContent = error.message;
  fallback.hidden = false;
  root.querySelector(".sd-run").disabled = true;
}

async function predict(root) {
  const text = root.querySelector("textarea").value.trim();
  const status = root.querySelector(".sd-status");
  if (!text) {
    status.textContent = "Type a review first.";
    return;
  }
  status.textContent = "Predicting…";
  root.setAttribute("aria-busy", "true");
  try {
    const pipe = await classifier;
    const start = performance.now();
    const labels = Object.keys(pipe.model.config.id2label).length;
    const output = await pipe(text, { top_k: labels });
    const probabilities = {};
    for (const { label, score } of output) probabilities[label] = score;
    show(root, probabilities, performance.now() - start);
    if (!root.dataset.firstResultMs) root.dataset.firstResultMs = performance.now().toFixed(0); // since navigation
  } catch (error) {
    unavailable(root, error);
  } finally {
    root.removeAttribute("aria-busy");
  }
}

function setUp(root) {
  const textarea = root.querySelector("textarea");
  root.querySelector(".sd-run").addEventListener("click", () => predict(root));
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      predict(root);
    }
  });
  for (const button of root.querySelectorAll(".sd-example")) {
    button.addEventListener("click", () => {
      textarea.value = button.dataset.text;
      predict(root);
    });
  }
  const status = root.querySelector(".sd-status");
  status.textContent = "Loading the model (about the size of a photo album: a few seconds)…";
  classifier.then(
    () => {
      root.dataset.ready = "true";
      if (!root.querySelector(".sd-result").dataset.label) status.textContent = "The model is ready: type a review, or pick an example.";
    },
    (error) => unavailable(root, error),
  );
}

const roots = document.querySelectorAll(".sentiment-demo");
if (roots.length) {
  classifier = loadClassifier(); // start loading at once, before the first click
  classifier.catch(() => {}); // reported per widget in setUp
  roots.forEach(setUp);
}
