/** The page's stylesheet (`GET /assets/style.css`). */
export const PAGE_CSS = `
:root { font-family: system-ui, sans-serif; color: #1b1b1b; background: #fafafa; }
body { margin: 0 auto; max-width: 960px; padding: 1rem; }
header { display: flex; align-items: center; gap: 1rem; flex-wrap: wrap; }
h1 { margin: 0.5rem 0; font-size: 1.5rem; }
h2 { font-size: 1.1rem; margin: 1.25rem 0 0.5rem; }
section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 0.75rem 1rem; margin-bottom: 1rem; }
button { cursor: pointer; }
progress { width: 16rem; vertical-align: middle; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid #eee; }
td.actions { white-space: nowrap; text-align: right; }
#message { color: #a40000; min-height: 1.2em; margin: 0; }
#player video { width: 100%; max-height: 60vh; background: #000; }
#seek-wrap { position: relative; margin: 0.25rem 0 0.5rem; }
#seek { width: 100%; }
#seek-preview { position: absolute; bottom: 2rem; border: 2px solid #fff; box-shadow: 0 0 4px #0008; background-repeat: no-repeat; pointer-events: none; }
.status-processing_complete { color: #176b00; }
.status-processing_failed { color: #a40000; }
`;
