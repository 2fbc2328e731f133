// Plays 16-bit PCM chunks as they arrive with the Web Audio API: each chunk becomes an AudioBuffer
// scheduled right after the previous one, so playback starts with the first chunk and has no gaps.
export class PcmPlayer {
  constructor(element) {
    this.element = element;
    this.context = null;
    this.next = 0;
    this.chunks = 0;
    this.seconds = 0;
  }

  /** Call from the click that starts the job: browsers let audio start only after a user gesture. */
  start() {
    this.context ??= new AudioContext();
    this.context.resume();
    this.next = 0;
    this.chunks = 0;
    this.seconds = 0;
    this.report("waiting");
  }

  /** One chunk: little-endian 16-bit samples, interleaved when there are several channels. */
  push(bytes, sampleRate, channels = 1) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const frames = bytes.byteLength / 2 / channels;
    const buffer = this.context.createBuffer(channels, frames, sampleRate);
    for (let c = 0; c < channels; c++) {
      const out = buffer.getChannelData(c);
      for (let i = 0; i < frames; i++) out[i] = view.getInt16(2 * (i * channels + c), true) / 32768;
    }
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    // A little headroom at the start; afterwards each chunk follows the previous one exactly.
    this.next = Math.max(this.next, this.context.currentTime + 0.05);
    source.start(this.next);
    this.next += buffer.duration;
    this.seconds += buffer.duration;
    this.chunks++;
    this.report("playing");
  }

  report(state) {
    this.element.dataset.state = state;
    this.element.dataset.chunks = String(this.chunks);
    this.element.dataset.context = this.context?.state ?? "none";
    this.element.textContent = state === "playing"
      ? `Playing: ${this.chunks} chunk(s) received, ${this.seconds.toFixed(2)} s of audio.`
      : "Waiting for the first chunk…";
  }
}
