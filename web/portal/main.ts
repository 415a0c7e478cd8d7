/** The customer portal's entry point: everything is drawn by web/portal/app.ts into the page's `#app`. */
import { startPortal } from './app.js';

const root = document.getElementById('app');
if (root) startPortal(root);
