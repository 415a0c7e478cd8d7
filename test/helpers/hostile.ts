/** Hostile text for the browser suites: markup and script in every spelling, bidirectional overrides, separators. */

/** What one-line fields take: markup and script in every spelling, template syntax, entities. */
export const HOSTILE_LINES = [
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=1">',
  '"><svg onload="window.__pwned=1">',
  `'><iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>`,
  'javascript:window.__pwned=1',
  '{{constructor.constructor("window.__pwned=1")()}} ${window.__pwned=1}',
  '&lt;b&gt;not bold&lt;/b&gt; &amp; <b>not bold either</b>',
];

/** What only a note may hold (one-line fields refuse them): an RTL override, line and paragraph separators. */
export const HOSTILE_NOTES = ['RTL \u202Egnp.exe\u202C end', 'line\u2028separator\u2029paragraph', ...HOSTILE_LINES];
