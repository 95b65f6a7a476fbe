import { initPage } from "../layout.js";

initPage();
