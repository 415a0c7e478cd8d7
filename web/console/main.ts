// The OPD console's entry point (being built: see web/console/app.ts once it lands).
const root = document.getElementById('app');
if (root) root.textContent = 'OPD console';
