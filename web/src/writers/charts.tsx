/**
 * Hand-made SVG line charts with one or more series over days (p50 and p95, cost and cost
 * saved), in the royalties page's style. Values size the marks; labels show the figures.
 */

export interface Series {
  name: string;
  values: (number | null)[];
  format: (v: number) => string;
}

const W = 560;
const H = 220;
const PAD = { top: 16, right: 16, bottom: 34, left: 64 };

export function DayChart({ title, days, series, max: fixedMax }: { title: string; days: string[]; series: Series[]; max?: number }) {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  if (!days.length || !all.length) return null;
  const max = fixedMax ?? (Math.max(...all, 0) || 1);
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (days.length === 1 ? innerW / 2 : (i * innerW) / (days.length - 1));
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const every = Math.max(1, Math.ceil(days.length / 7));
  const latest = series.map((s) => {
    const last = [...s.values].reverse().find((v) => v !== null);
    return `${s.name} ${last === undefined || last === null ? "none" : s.format(last)}`;
  });
  return (
    <figure className="card" data-testid="day-chart">
      <figcaption><h3>{title}</h3>
        <ul className="chart-legend">
          {series.map((s, k) => <li key={s.name}><span className={`legend-swatch series-${k}`} aria-hidden="true" />{s.name}</li>)}
        </ul>
      </figcaption>
      <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img"
        aria-label={`${title}: ${days.length} days from ${days[0]} to ${days.at(-1)}; latest ${latest.join(", ")}`}>
        <line className="chart-axis" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
        <line className="chart-axis" x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={PAD.top + innerH} />
        <text x={PAD.left - 6} y={PAD.top + 4} textAnchor="end">{series[0]!.format(max)}</text>
        <text x={PAD.left - 6} y={y(0)} textAnchor="end">{series[0]!.format(0)}</text>
        {series.map((s, k) => {
          const points = s.values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean).join(" ");
          return (
            <g key={s.name} className={`series-${k}`}>
              <polyline className="chart-line" points={points} />
              {s.values.map((v, i) => v !== null && (
                <circle key={i} cx={x(i)} cy={y(v)} r={3.5} className="chart-point"><title>{`${days[i]}: ${s.name} ${s.format(v)}`}</title></circle>
              ))}
            </g>
          );
        })}
        {days.map((d, i) => i % every === 0 && <text key={d} x={x(i)} y={H - 12} textAnchor="middle">{d.slice(5)}</text>)}
      </svg>
    </figure>
  );
}
