// The official openai npm package pointed at the gateway: images (plain and streamed with partial
// images), speech (plain and streamed) and the Batch API (files and batches), against the test host's
// deterministic generators.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI, { toFile } from "openai";
import { startHost } from "./support/host.mjs";
import { withoutText } from "./support/png.mjs";

let host;
let client;

before(async () => {
  host = await startHost();
  client = new OpenAI({ baseURL: `${host.baseUrl}/v1`, apiKey: host.apiKey, maxRetries: 0 });
});
after(async () => host?.stop());

describe("images", () => {
  test("generate returns a PNG per image as b64_json", async () => {
    const result = await client.images.generate({ model: "test-image", prompt: "a red fox", n: 2, seed: 3 });
    assert.equal(result.data.length, 2);
    for (const image of result.data) {
      const png = Buffer.from(image.b64_json, "base64");
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    }
    assert.equal(result.output_format, "png");
  });

  test("generate with response_format url links a downloadable PNG", async () => {
    const result = await client.images.generate({ model: "test-image", prompt: "a red fox", response_format: "url" });
    // The image is the key's own: fetched with the same key.
    const response = await fetch(result.data[0].url, { headers: { authorization: `Bearer ${host.apiKey}` } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "image/png");
  });

  test("stream: true sends partial images before the completed image", async () => {
    const stream = await client.images.generate({ model: "test-image", prompt: "a red fox", stream: true, partial_images: 2, seed: 9 });
    const events = [];
    for await (const event of stream) events.push(event);
    const types = events.map((e) => e.type);
    assert.ok(types.indexOf("image_generation.partial_image") >= 0, `a partial image arrives: ${types}`);
    assert.equal(types.at(-1), "image_generation.completed");
    assert.ok(types.indexOf("image_generation.partial_image") < types.indexOf("image_generation.completed"));
    const partial = events.find((e) => e.type === "image_generation.partial_image");
    assert.equal(partial.partial_image_index, 0);
    assert.ok(Buffer.from(partial.b64_json, "base64").length > 8);

    const plain = await client.images.generate({ model: "test-image", prompt: "a red fox", seed: 9 });
    assert.deepEqual(withoutText(Buffer.from(events.at(-1).b64_json, "base64")), withoutText(Buffer.from(plain.data[0].b64_json, "base64")));
  });

  test("images.edit sends the layout image and the prompt (MagicMix's image-text mode) and refuses a corrupt upload naming image", async () => {
    const generated = await client.images.generate({ model: "test-image", prompt: "a red square", seed: 1 });
    const layout = Buffer.from(generated.data[0].b64_json, "base64");
    const edited = await client.images.edit({
      model: "test-image", prompt: "a blue star", image: await toFile(layout, "layout.png", { type: "image/png" }),
    });
    const png = Buffer.from(edited.data[0].b64_json, "base64");
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

    await assert.rejects(
      client.images.edit({ model: "test-image", prompt: "a blue star", image: await toFile(Buffer.from("not an image"), "layout.png", { type: "image/png" }) }),
      (error) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.param, "image");
        return true;
      });
    // Without a model the edit goes to magicmix, which is not ready until its weights are committed.
    await assert.rejects(client.images.edit({ prompt: "a blue star", image: await toFile(layout, "layout.png", { type: "image/png" }) }), (error) => {
      assert.equal(error.status, 409);
      assert.equal(error.code, "model_not_ready");
      return true;
    });
  });

  test("a model that is not trained is an APIError 409 model_not_ready, without retries", async () => {
    const retrying = new OpenAI({ baseURL: `${host.baseUrl}/v1`, apiKey: host.apiKey }); // default: 2 retries
    const started = Date.now();
    await assert.rejects(retrying.images.generate({ model: "token-shuffle", prompt: "a fox" }), (error) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 409);
      assert.equal(error.code, "model_not_ready");
      assert.match(error.message, /no trained checkpoint/);
      return true;
    });
    assert.ok(Date.now() - started < 1500, "x-should-retry: false stops the SDK's retries with back-off");
  });

  test("an unknown API key is an AuthenticationError 401 invalid_api_key, without retries", async () => {
    const stranger = new OpenAI({ baseURL: `${host.baseUrl}/v1`, apiKey: "media-not-a-real-key" }); // default: 2 retries
    const started = Date.now();
    await assert.rejects(stranger.images.generate({ model: "test-image", prompt: "a fox" }), (error) => {
      assert.ok(error instanceof OpenAI.AuthenticationError);
      assert.equal(error.status, 401);
      assert.equal(error.code, "invalid_api_key");
      return true;
    });
    assert.ok(Date.now() - started < 1500, "x-should-retry: false stops the SDK's retries");
  });

  test("output_format jpeg and webp come back in that format, and models.list offers only models that can run", async () => {
    for (const [format, magic] of [["jpeg", [0xff, 0xd8, 0xff]], ["webp", [0x52, 0x49, 0x46, 0x46]]]) {
      const result = await client.images.generate({ model: "test-image", prompt: "a red fox", output_format: format, output_compression: 50 });
      assert.equal(result.output_format, format);
      assert.deepEqual([...Buffer.from(result.data[0].b64_json, "base64").subarray(0, magic.length)], magic);
    }
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.ok(ids.includes("test-image") && ids.includes("test-speech"), ids.join(","));
    assert.ok(!ids.includes("token-shuffle") && !ids.includes("songgen"), `models without a checkpoint are not listed: ${ids.join(",")}`);
  });

  test("an invalid size is an APIError 400 naming the param", async () => {
    await assert.rejects(client.images.generate({ model: "test-image", prompt: "a fox", size: "100x100" }), (error) => {
      assert.equal(error.status, 400);
      assert.equal(error.param, "size");
      assert.equal(error.type, "invalid_request_error");
      return true;
    });
  });
});

describe("speech", () => {
  // The test generator: 8 kHz mono, 5 chunks of 80 samples, chunk k holding the constant k*100.
  const expected = Buffer.alloc(5 * 80 * 2);
  for (let i = 0; i < 400; i++) expected.writeInt16LE((Math.floor(i / 80) + 1) * 100, 2 * i);

  test("without response_format speech is MP3 (audio/mpeg), as OpenAI's", async () => {
    const response = await client.audio.speech.create({ model: "test-speech", voice: "alloy", input: "Hello there." });
    assert.equal(response.headers.get("content-type"), "audio/mpeg");
    const mp3 = Buffer.from(await response.arrayBuffer());
    assert.equal(mp3[0], 0xff);
    assert.equal(mp3[1] & 0xe0, 0xe0, "an MPEG audio frame sync");
  });

  test("create returns the WAV", async () => {
    const response = await client.audio.speech.create({ model: "test-speech", voice: "alloy", input: "Hello there.", response_format: "wav" });
    const wav = Buffer.from(await response.arrayBuffer());
    assert.equal(wav.toString("ascii", 0, 4), "RIFF");
    assert.equal(wav.readUInt32LE(24), 8000);
    assert.deepEqual(wav.subarray(44, 44 + expected.length), expected);
  });

  test("stream_format audio sends the WAV as it is made", async () => {
    const response = await client.audio.speech.create({ model: "test-speech", voice: "alloy", input: "Hello.", response_format: "wav", stream_format: "audio" });
    const pieces = [];
    for await (const piece of response.body) pieces.push(Buffer.from(piece));
    const wav = Buffer.concat(pieces);
    assert.equal(wav.readUInt32LE(40), 0xffffffff, "a streamed WAV's data size is open-ended");
    assert.deepEqual(wav.subarray(44), expected);
  });

  test("stream_format sse sends speech.audio.delta events then speech.audio.done", async () => {
    const response = await client.audio.speech.create({ model: "test-speech", voice: "alloy", input: "Hello.", response_format: "pcm", stream_format: "sse" });
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const events = (await response.text()).split("\n\n").filter(Boolean)
      .map((block) => JSON.parse(block.split("\n").find((l) => l.startsWith("data: ")).slice(6)));
    assert.equal(events.at(-1).type, "speech.audio.done");
    const deltas = events.slice(0, -1);
    assert.ok(deltas.length >= 5, `one delta per chunk at least: ${deltas.length}`);
    assert.ok(deltas.every((e) => e.type === "speech.audio.delta"));
    const pcm = Buffer.concat(deltas.map((e) => Buffer.from(e.audio, "base64")));
    assert.equal(pcm.length, 400 * 3 * 2, "24 kHz: three samples per 8 kHz sample");
  });
});

describe("batches", () => {
  const jsonl = (lines) => toFile(Buffer.from(lines.map((l) => JSON.stringify(l)).join("\n") + "\n"), "requests.jsonl");
  const image = (customId, body) => ({ custom_id: customId, method: "POST", url: "/v1/images/generations", body });

  async function finished(id) {
    for (let i = 0; i < 600; i++) {
      const batch = await client.batches.retrieve(id);
      if (["completed", "failed", "expired", "cancelled"].includes(batch.status)) return batch;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`batch ${id} did not finish`);
  }

  const lines = async (fileId) => (await (await client.files.content(fileId)).text()).trim().split("\n").map((l) => JSON.parse(l));

  test("files upload, batch create, retrieve until completed, output download and parse", async () => {
    const file = await client.files.create({
      file: await jsonl([
        image("fox", { model: "test-image", prompt: "a red fox", n: 2, seed: 3 }),
        image("bad-size", { model: "test-image", prompt: "a fox", size: "100x100" }),
      ]),
      purpose: "batch",
    });
    assert.equal(file.object, "file");
    assert.equal(file.purpose, "batch");
    assert.equal((await client.files.retrieve(file.id)).filename, "requests.jsonl");

    const created = await client.batches.create({ input_file_id: file.id, endpoint: "/v1/images/generations", completion_window: "24h", metadata: { run: "node" } });
    assert.equal(created.object, "batch");
    assert.ok(["validating", "in_progress"].includes(created.status), created.status);
    assert.equal(created.metadata.run, "node");
    assert.equal(typeof created.created_at, "number");

    const batch = await finished(created.id);
    assert.equal(batch.status, "completed");
    assert.deepEqual(batch.request_counts, { total: 2, completed: 1, failed: 1 });
    assert.ok(batch.completed_at >= batch.created_at);

    const [output] = await lines(batch.output_file_id);
    assert.equal(output.custom_id, "fox");
    assert.equal(output.error, null);
    assert.equal(output.response.status_code, 200);
    assert.equal(output.response.body.data.length, 2);
    // The same request on the route gives the same images (same seeds, so the same pixels).
    const direct = await client.images.generate({ model: "test-image", prompt: "a red fox", n: 2, seed: 3 });
    assert.deepEqual(output.response.body.data.map((d) => withoutText(Buffer.from(d.b64_json, "base64"))),
      direct.data.map((d) => withoutText(Buffer.from(d.b64_json, "base64"))));

    const [refused] = await lines(batch.error_file_id);
    assert.equal(refused.custom_id, "bad-size");
    assert.equal(refused.response.status_code, 400);
    assert.equal(refused.response.body.error.param, "size");

    const listed = [];
    for await (const b of client.batches.list({ limit: 10 })) listed.push(b.id);
    assert.ok(listed.includes(batch.id));
  });

  test("cancel ends the batch cancelled with the unrun requests in the error file", async () => {
    const file = await client.files.create({
      file: await jsonl(Array.from({ length: 6 }, (_, i) => image(`slow-${i}`, { model: "test-slow", prompt: "slow" }))),
      purpose: "batch",
    });
    const created = await client.batches.create({ input_file_id: file.id, endpoint: "/v1/images/generations", completion_window: "24h" });
    const cancelling = await client.batches.cancel(created.id);
    assert.ok(["cancelling", "cancelled"].includes(cancelling.status), cancelling.status);
    const batch = await finished(created.id);
    assert.equal(batch.status, "cancelled");
    assert.equal(typeof batch.cancelled_at, "number");
    const errors = await lines(batch.error_file_id);
    assert.ok(errors.length >= 1 && errors.length === batch.request_counts.failed, `${errors.length} error lines, ${batch.request_counts.failed} failed`);
    assert.ok(errors.every((e) => e.response === null && e.error.code === "batch_cancelled"));
  });

  test("a bad endpoint is an APIError 400 naming the param; a deleted file is gone", async () => {
    const file = await client.files.create({ file: await jsonl([image("a", { prompt: "a fox" })]), purpose: "batch" });
    await assert.rejects(client.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" }), (error) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.equal(error.param, "endpoint");
      return true;
    });
    const deleted = await client.files.delete(file.id);
    assert.deepEqual([deleted.id, deleted.deleted], [file.id, true]);
    await assert.rejects(client.files.retrieve(file.id), (error) => error instanceof OpenAI.NotFoundError);
  });
});
