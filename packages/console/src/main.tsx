// Entry: mounts the console. The API is the server the console was loaded from (same origin, POST /).
import { render } from "preact";
import { App } from "./app.tsx";
import "./style.css";

const root = document.getElementById("app");
if (root !== null) render(<App baseUrl={new URL("/", location.href).href} />, root);
