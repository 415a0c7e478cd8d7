/** The OPD console's entry point: everything is drawn by web/console/app.ts into the page's `#app`. */
import { startConsole } from './app.js';

const root = document.getElementById('app');
if (root) startConsole(root);
