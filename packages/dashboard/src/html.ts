/**
 * HTML built from templates whose every interpolation is escaped unless it is Html already:
 * topic names, keys, bodies and properties come from the network and must never become markup.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | boolean | undefined | null | readonly Part[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(part: Part): string {
  if (part === undefined || part === null || part === false) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return escape(String(part));
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let text = strings[0]!;
  for (let i = 0; i < parts.length; i++) text += render(parts[i]!) + strings[i + 1]!;
  return new Html(text);
}

/** A path segment or query value, encoded for a URL inside an attribute. */
export function url(strings: TemplateStringsArray, ...parts: (string | number)[]): string {
  let text = strings[0]!;
  for (let i = 0; i < parts.length; i++) text += encodeURIComponent(String(parts[i]!)) + strings[i + 1]!;
  return text;
}

/** A table with a header row; cells are escaped unless Html. */
export function table(head: string[], rows: Part[][], empty = 'nothing yet'): Html {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<table>
    <thead>
      <tr>
        ${head.map((h) => html`<th>${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (row) =>
          html`<tr>
            ${row.map((cell) => html`<td>${cell}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Series of [time, value] samples drawn as one SVG line chart, each series in its own colour. */
export function lineChart(title: string, series: { name: string; points: [number, number][] }[]): Html {
  const width = 640;
  const height = 160;
  const all = series.flatMap((s) => s.points);
  if (all.length < 2)
    return html`<figure class="chart">
      <figcaption>${title}</figcaption>
      <p class="empty">samples every 10 s: the chart fills in</p>
    </figure>`;
  const [t0, t1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const top = Math.max(1, ...all.map((p) => p[1]));
  const x = (t: number) => ((t - t0) / Math.max(1, t1 - t0)) * (width - 40) + 35;
  const y = (v: number) => height - 20 - (v / top) * (height - 35);
  const colours = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c'];
  const lines = series.map((s, i) => {
    const points = s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    return html`<polyline fill="none" stroke="${colours[i % colours.length]!}" stroke-width="2" points="${points}"
      ><title>${s.name}</title></polyline
    >`;
  });
  const legend = series.map((s, i) => html`<span style="color:${colours[i % colours.length]!}">■ ${s.name}</span> `);
  return html`<figure class="chart">
    <figcaption>${title} ${legend}</figcaption>
    <svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${title}">
      <text x="0" y="14" font-size="11">${top.toFixed(top < 10 ? 1 : 0)}</text>
      <text x="0" y="${height - 20}" font-size="11">0</text>
      <line x1="35" y1="${height - 20}" x2="${width - 5}" y2="${height - 20}" stroke="#ccc"></line>
      ${lines}
    </svg>
  </figure>`;
}

/** A body for reading: JSON laid out, other text as it is, binary as a note of its size. */
export function bodyPreview(body: Buffer): Html {
  const text = body.toString('utf8');
  if (text.includes('\uFFFD')) return html`<p class="empty">${body.length} bytes of binary</p>`;
  try {
    return html`<pre class="json">${JSON.stringify(JSON.parse(text), null, 2)}</pre>`;
  } catch {
    return html`<pre>${text}</pre>`;
  }
}

export function time(ms: number): string {
  return ms > 0 ? new Date(ms).toISOString().replace('T', ' ').slice(0, 23) : '';
}
