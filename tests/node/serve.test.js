// Drives `mom serve` with the official OpenAI Node.js client. It covers a
// plain and a streamed completion, both again from a mixture of two local
// miners, the model list, and the error classes that the library raises for
// an unknown model and a wrong API key.
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
const mixtureName = 'story-mixture';
// The mixture's miners end each proposal at the first full stop, because a
// proposal cut at max_tokens is left out of the references.
const mixtureMiners = [
  { name: 'proposer-260k', file: 'stories260K.gguf' },
  { name: 'proposer-656k', file: 'TinyStories-656K-Q8_0.gguf' },
];

function minerName(file) {
  return path.basename(file, '.gguf');
}

function writeConfig(dir) {
  const sections = modelFiles.map((file) => [
    `[miners."${minerName(file)}"]`,
    `model = "${path.join(modelsDir, file)}"`,
    'context_size = 512',
    'parallel = 2',
    'threads = 1',
    'max_tokens = 16',
    'temperature = 0',
    'seed = 1',
    '',
  ].join('\n'));
  const proposers = mixtureMiners.filter((miner) => modelFiles.includes(miner.file));
  for (const miner of proposers) {
    // 1024 tokens leave room for the aggregation prompt, two references and
    // the 256 tokens reserved for an answer without max_tokens.
    sections.push([
      `[miners."${miner.name}"]`,
      `model = "${path.join(modelsDir, miner.file)}"`,
      'context_size = 1024',
      'threads = 1',
      'max_tokens = 64',
      'stop = ["."]',
      'temperature = 0',
      'seed = 1',
      '',
    ].join('\n'));
  }
  if (proposers.length > 0) {
    const names = proposers.map((miner) => `"${miner.name}"`).join(', ');
    sections.push(`[mixtures."${mixtureName}"]\nlayers = [[${names}]]\naggregator = "${proposers[0].name}"\n`);
  }
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

function hasMixture() {
  return mixtureMiners.every((miner) => modelFiles.includes(miner.file));
}

function pickTokens(usage) {
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
  };
}

// Adds up the usage of every proposal and aggregator call in a mixture trace.
function sumTraceUsage(trace) {
  const calls = [...trace.layers.flat(), ...trace.aggregators];
  const sum = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  for (const call of calls) {
    for (const key of Object.keys(sum)) {
      sum[key] += call.usage[key];
    }
  }
  return sum;
}

// Checks that every proposal ended by itself and became a reference, and that
// the aggregator, not the best-proposal fallback, wrote the answer.
function checkTraceAnsweredByAggregator(trace) {
  assert.equal(trace.mixture, mixtureName);
  assert.equal(trace.layers.length, 1);
  assert.equal(trace.layers[0].length, mixtureMiners.length);
  for (const call of trace.layers[0]) {
    assert.equal(call.status, 'ok', `proposal of ${call.miner}: ${call.status} ${call.error ?? ''}`);
    assert.equal(call.used_as_reference, true, `proposal of ${call.miner} was not a reference`);
    assert.ok(call.usage.completion_tokens > 0);
  }
  assert.equal(trace.aggregators.length, 1);
  assert.equal(trace.aggregators[0].status, 'ok', `aggregator: ${trace.aggregators[0].error ?? ''}`);
  assert.equal(trace.answered_with_best_proposal, false);
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

  test('mixture completion sums usage over every call', { skip: !hasMixture() && 'mixture models missing' }, async () => {
    const completion = await client.chat.completions.create({
      model: mixtureName,
      messages: [{ role: 'user', content: 'Once upon a time' }],
      mom: { trace: true },
    });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, mixtureName);
    assert.equal(typeof completion.choices[0].message.content, 'string');
    assert.ok(completion.choices[0].message.content.length > 0, 'the mixture answered with no text');

    const trace = completion.mom_trace;
    assert.ok(trace, 'no mom_trace despite "mom": {"trace": true}');
    checkTraceAnsweredByAggregator(trace);
    assert.equal(trace.aggregators[0].text, completion.choices[0].message.content);
    assert.deepEqual(pickTokens(completion.usage), sumTraceUsage(trace));
    assert.deepEqual(pickTokens(trace.usage), sumTraceUsage(trace));
  });

  test('streamed mixture completion sums usage over every call', { skip: !hasMixture() && 'mixture models missing' }, async () => {
    const stream = await client.chat.completions.create({
      model: mixtureName,
      messages: [{ role: 'user', content: 'Once upon a time' }],
      stream: true,
      stream_options: { include_usage: true },
      mom: { trace: true },
    });
    let text = '';
    let contentChunks = 0;
    let usage = null;
    let trace = null;
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta?.content;
      if (content) {
        text += content;
        contentChunks += 1;
      }
      usage = chunk.usage ?? usage;
      trace = chunk.mom_trace ?? trace;
    }
    assert.ok(trace, 'no chunk carried mom_trace');
    checkTraceAnsweredByAggregator(trace);
    assert.equal(text, trace.aggregators[0].text);
    // The aggregator's tokens arrive as they are generated, one chunk each.
    assert.ok(contentChunks > 1, `the answer arrived in ${contentChunks} content chunk(s)`);
    assert.ok(usage, 'no usage chunk despite include_usage');
    assert.deepEqual(pickTokens(usage), sumTraceUsage(trace));
  });

  test('models.list returns every miner and mixture', async () => {
    const ids = [];
    for await (const model of client.models.list()) {
      ids.push(model.id);
    }
    const expected = modelFiles.map(minerName);
    if (hasMixture()) {
      expected.push(...mixtureMiners.map((miner) => miner.name), mixtureName);
    }
    assert.deepEqual(ids.sort(), expected.sort());
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
