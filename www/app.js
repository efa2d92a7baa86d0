// llm-edge studio: one page, four tabs (Vision, Image, Speech, Video), each a module that
// drives the full variant of the package (llm-edge/full) against the chosen backend.
import { tablist } from "./shared.js";
import "./vision.js";
import "./image.js";
import "./speech.js";
import "./video.js";

tablist(document.querySelector("[role=tablist]"));
document.body.dataset.ready = "true";
