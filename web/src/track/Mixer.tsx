/** The stem mixer: mute, solo and volume per stem, all playing in sync. */
import { useSyncExternalStore } from "react";
import type { Assets } from "../api/model";
import type { StemMixer } from "../audio/playback";

const label = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

export function Mixer({ mixer, stems }: { mixer: StemMixer; stems: Assets["stems"] }) {
  const channels = useSyncExternalStore(mixer.subscribe, mixer.channels);
  return (
    <ul className="mixer" aria-label="Stems">
      {channels.map((channel) => {
        const stem = stems.find((s) => s.name === channel.name);
        return (
          <li key={channel.name} className={`channel${channel.audible ? "" : " channel-silent"}`} data-testid={`stem-${channel.name}`}>
            <div className="channel-name">
              <strong>{label(channel.name)}</strong>
              {stem?.engine && <span className="muted small" title="The engine that made this stem">{stem.engine}</span>}
            </div>
            <div className="channel-controls">
              <button type="button" className="btn btn-toggle btn-mute" aria-pressed={channel.muted}
                onClick={() => mixer.toggleMute(channel.name)} aria-label={`Mute ${channel.name}`}>M</button>
              <button type="button" className="btn btn-toggle btn-solo" aria-pressed={channel.solo}
                onClick={() => mixer.toggleSolo(channel.name)} aria-label={`Solo ${channel.name}`}>S</button>
              <input type="range" min={0} max={100} value={Math.round(channel.volume * 100)}
                onChange={(e) => mixer.setVolume(channel.name, Number(e.target.value) / 100)}
                aria-label={`${label(channel.name)} volume`} aria-valuetext={`${Math.round(channel.volume * 100)}%`} />
              {stem && <a className="btn btn-small btn-ghost" href={stem.url} download={`${channel.name}.wav`}
                aria-label={`Download the ${channel.name} stem`}>WAV</a>}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
