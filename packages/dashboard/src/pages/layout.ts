import { html, type Html } from '../html.js';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1f2937;background:#f8fafc}
header{background:#0f172a;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:center}
header a{color:#cbd5e1;text-decoration:none}header a:hover{color:#fff}header strong{color:#fff}
main{padding:16px 24px;max-width:1200px}h1{font-size:20px;margin:8px 0 16px}h2{font-size:16px;margin:24px 0 8px}
table{border-collapse:collapse;background:#fff;width:100%;margin-bottom:12px}
th,td{border:1px solid #e2e8f0;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f1f5f9}
form{background:#fff;border:1px solid #e2e8f0;padding:8px 12px;margin:8px 0;display:flex;gap:8px;flex-wrap:wrap;align-items:end}
label{display:flex;flex-direction:column;font-size:12px;color:#475569}input,select,textarea{font:inherit;padding:3px 6px}
button{font:inherit;padding:4px 12px;background:#2563eb;color:#fff;border:0;border-radius:3px;cursor:pointer}
button.danger{background:#dc2626}.flash{background:#dcfce7;border:1px solid #86efac;padding:6px 12px}
.error{background:#fee2e2;border:1px solid #fca5a5;padding:6px 12px}.empty{color:#64748b}
pre{background:#0f172a;color:#e2e8f0;padding:8px 12px;overflow:auto}.chart{margin:8px 0;background:#fff;border:1px solid #e2e8f0;padding:8px}
.ok{color:#16a34a}.bad{color:#dc2626}`;

/** A whole page: the console's header and navigation, then the body. base: the console's root, for every relative link. */
export function page(title: string, base: string, body: Html, notice?: { ok: boolean; text: string }): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <base href="${base}" />
        <title>${title} · RocketNest console</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <header>
          <strong>RocketNest console</strong> <a href="./">Cluster</a><a href="topics">Topics</a
          ><a href="groups">Consumer groups</a><a href="messages">Messages</a>
        </header>
        <main>
          <h1>${title}</h1>
          ${notice ? html`<p class="${notice.ok ? 'flash' : 'error'}" role="status">${notice.text}</p>` : ''} ${body}
        </main>
      </body>
    </html>`.text;
}
