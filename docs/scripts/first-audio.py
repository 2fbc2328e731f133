# First streamed audio through /v1/audio/speech, PCM against MP3, alternating, against a gateway on 127.0.0.1:5077
# started with the committed defaults (ASPNETCORE_URLS=http://127.0.0.1:5077 dotnet run --project gateway -c Release).
import http.client, json, time, statistics, sys
def first_audio(fmt, seed):
    c = http.client.HTTPConnection("127.0.0.1", 5077)
    body = json.dumps({"model": "ardit-tts", "input": "The quick brown fox jumps over the lazy dog, and then it rests.",
                       "response_format": fmt, "stream_format": "audio", "seed": seed})
    t0 = time.perf_counter()
    c.request("POST", "/v1/audio/speech", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    chunk = r.read1(65536)          # the first body bytes the server flushed
    t1 = time.perf_counter()
    while r.read1(65536): pass
    c.close()
    assert len(chunk) > 0
    return (t1 - t0) * 1000
res = {"pcm": [], "mp3": []}
first_audio("pcm", 0)
for i in range(10):
    for f in ("pcm", "mp3"):
        res[f].append(first_audio(f, i + 1))
for f, v in res.items():
    print(f"{f}: first audio median {statistics.median(v):.1f} ms, p90 {sorted(v)[8]:.1f} ms (n={len(v)})")
print(f"mp3 minus pcm (median): {statistics.median(res['mp3']) - statistics.median(res['pcm']):.1f} ms")
