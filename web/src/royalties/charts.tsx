/**
 * Hand-made SVG charts (no chart library): a line over periods and horizontal bars. Values
 * only size the marks; the labels show the exact amounts the API sent as text.
 */

export interface Point {
  label: string;
  value: number;
  /** what a reader sees for this point ("12.50 USD"); the number otherwise */
  text?: string;
}

const W = 560;
const H = 220;
const PAD = { top: 16, right: 16, bottom: 34, left: 56 };

export function LineChart({ title, points, unit = "" }: { title: string; points: Point[]; unit?: string }) {
  if (!points.length) return null;
  const max = Math.max(...points.map((p) => p.value), 0);
  const min = Math.min(...points.map((p) => p.value), 0);
  const span = max - min || 1;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (points.length === 1 ? innerW / 2 : (i * innerW) / (points.length - 1));
  const y = (v: number) => PAD.top + innerH - ((v - min) / span) * innerH;
  const text = (p: Point) => p.text ?? `${p.value}${unit}`;
  // at most ~8 period labels under the axis
  const every = Math.max(1, Math.ceil(points.length / 8));
  const top = points.reduce((a, b) => (b.value > a.value ? b : a));
  return (
    <figure className="card" data-testid="line-chart">
      <figcaption><h3>{title}</h3></figcaption>
      <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img"
        aria-label={`${title}: ${points.length} periods from ${points[0]!.label} to ${points.at(-1)!.label}, highest ${text(top)} in ${top.label}`}>
        <line className="chart-axis" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
        <line className="chart-axis" x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={PAD.top + innerH} />
        <text x={PAD.left - 6} y={PAD.top + 4} textAnchor="end">{text(top)}</text>
        <polyline className="chart-line" points={points.map((p, i) => `${x(i)},${y(p.value)}`).join(" ")} />
        {points.map((p, i) => (
          <g key={p.label}>
            <circle cx={x(i)} cy={y(p.value)} r={3.5} fill="currentColor" className="chart-point"><title>{`${p.label}: ${text(p)}`}</title></circle>
            {i % every === 0 && <text x={x(i)} y={H - 12} textAnchor="middle">{p.label}</text>}
          </g>
        ))}
      </svg>
    </figure>
  );
}

export function BarChart({ title, bars }: { title: string; bars: Point[] }) {
  if (!bars.length) return null;
  const row = 26;
  const height = bars.length * row + 8;
  const labelW = 170;
  const textW = 110;
  const max = Math.max(...bars.map((b) => Math.abs(b.value)), 0) || 1;
  const innerW = W - labelW - textW;
  return (
    <figure className="card" data-testid="bar-chart">
      <figcaption><h3>{title}</h3></figcaption>
      <svg className="chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-label={`${title}: ${bars.map((b) => `${b.label} ${b.text ?? b.value}`).join("; ")}`}>
        {bars.map((b, i) => {
          const yy = 4 + i * row;
          const short = b.label.length > 26 ? `${b.label.slice(0, 25)}…` : b.label;
          return (
            <g key={`${b.label}-${i}`}>
              <text x={labelW - 8} y={yy + 15} textAnchor="end">{short}</text>
              <rect className="chart-bar" x={labelW} y={yy + 3} height={row - 8} width={Math.max((Math.abs(b.value) / max) * innerW, 1)}>
                <title>{`${b.label}: ${b.text ?? b.value}`}</title>
              </rect>
              <text x={W - textW + 6} y={yy + 15}>{b.text ?? String(b.value)}</text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
