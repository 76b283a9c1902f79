// Drives `mom serve` with the official OpenAI Node.js client: a plain
// completion, a streamed one, the model list, and the error classes the
// library raises for an unknown model and a wrong API key.
//
// Environment: MOM (the mom binary) and MOM_SHARED_DIR (a folder whose
// models/ contains GGUF files). Without them the tests are skipped.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import OpenAI from 'openai';

const momBinary = process.env.MOM;
const modelsDir = process.env.MOM_SHARED_DIR ? path.join(process.env.MOM_SHARED_DIR, 'models') : '';
const modelFiles = modelsDir && fs.existsSync(modelsDir)
  ? fs.readdirSync(modelsDir).filter((name) => name.endsWith('.gguf')).sort()
  : [];
const skip = !momBinary || modelFiles.length === 0
  ? 'set MOM and MOM_SHARED_DIR (with models/*.gguf) to run these tests'
  : false;

const apiKey = 'node-test-key';
// The miner that generates the completions: the smallest model, so that the tests take seconds.
const answeringMiner = 'stories260K';

function minerName(file) {
  return path.basename(file, '.gguf');
}

function writeConfig(dir) {
  const sections = modelFiles.map((file) => [
    `[miners."${minerName(file)}"]`,
    `model = "${path.join(modelsDir, file)}"`,
    'context_size = 512',
    'parallel = 2',
    'max_tokens = 16',
    'temperature = 0',
    'seed = 1',
    '',
  ].join('\n'));
  sections.push('[server]\napi_key_env = "MOM_NODE_TEST_API_KEY"\n');
  const file = path.join(dir, 'serve.toml');
  fs.writeFileSync(file, sections.join('\n'));
  return file;
}

// Starts `mom serve` on a free port and resolves with its base URL once
// GET /health returns 200.
async function startServer(configFile, log) {
  const child = spawn(momBinary, ['serve', '--config', configFile, '--port', '0'], {
    env: { ...process.env, MOM_NODE_TEST_API_KEY: apiKey },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', (data) => log.push(data.toString()));

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`mom serve exited with status ${child.exitCode}:\n${log.join('')}`);
    }
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log.join(''));
    if (match) {
      try {
        const health = await fetch(`${match[1]}/health`);
        if (health.status === 200) {
          return { child, baseURL: `${match[1]}/v1` };
        }
      } catch {
        // not accepting connections yet
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`mom serve did not become healthy within 60 s:\n${log.join('')}`);
}

describe('mom serve with the OpenAI Node.js client', { skip }, () => {
  let server;
  let client;
  let workDir;
  const log = [];

  before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mom-node-'));
    server = await startServer(writeConfig(workDir), log);
    client = new OpenAI({ baseURL: server.baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
  });

  after(async () => {
    if (server) {
      const exited = new Promise((resolve) => server.child.once('exit', (code) => resolve(code)));
      server.child.kill('SIGTERM');
      const code = await exited;
      assert.equal(code, 0, `mom serve exited with status ${code} after SIGTERM:\n${log.join('')}`);
    }
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('plain completion', async () => {
    const completion = await client.chat.completions.create({
      model: answeringMiner,
      messages: [{ role: 'user', content: 'Once upon a time' }],
      max_tokens: 8,
    });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, answeringMiner);
    assert.equal(completion.choices.length, 1);
    assert.equal(completion.choices[0].message.role, 'assistant');
    assert.equal(typeof completion.choices[0].message.content, 'string');
    assert.ok(['stop', 'length'].includes(completion.choices[0].finish_reason));
    assert.ok(completion.usage.prompt_tokens > 0);
    assert.ok(completion.usage.completion_tokens > 0);
    assert.equal(completion.usage.total_tokens,
      completion.usage.prompt_tokens + completion.usage.completion_tokens);
  });

  test('streamed completion', async () => {
    const stream = await client.chat.completions.create({
      model: answeringMiner,
      messages: [{ role: 'user', content: 'Once upon a time' }],
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finishReason = null;
    let usage = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      assert.equal(chunk.object, 'chat.completion.chunk');
      if (chunk.choices.length > 0) {
        text += chunk.choices[0].delta.content ?? '';
        finishReason = chunk.choices[0].finish_reason ?? finishReason;
      }
      if (chunk.usage) {
        usage = chunk.usage;
      }
    }
    assert.ok(chunks >= 3, `expected role, content and finish chunks, got ${chunks}`);
    assert.ok(text.length > 0, 'the stream carried no text');
    assert.ok(['stop', 'length'].includes(finishReason));
    assert.ok(usage, 'no usage chunk despite include_usage');
    assert.ok(usage.completion_tokens > 0);
  });

  test('models.list returns every miner', async () => {
    const ids = [];
    for await (const model of client.models.list()) {
      ids.push(model.id);
    }
    assert.deepEqual(ids.sort(), modelFiles.map(minerName).sort());
  });

  test('unknown model is NotFoundError', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'Hi' }] }),
      (error) => {
        assert.ok(error instanceof OpenAI.NotFoundError, `got ${error.constructor.name}: ${error.message}`);
        assert.equal(error.status, 404);
        assert.equal(error.code, 'model_not_found');
        return true;
      },
    );
  });

  test('wrong API key is AuthenticationError', async () => {
    const stranger = new OpenAI({ baseURL: server.baseURL, apiKey: 'wrong', maxRetries: 0 });
    await assert.rejects(stranger.models.list(), OpenAI.AuthenticationError);
  });
});
