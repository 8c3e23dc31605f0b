/*
 * Test helpers: fake provider servers on 127.0.0.1. Exported apart from the
 * package's main entry so production code never loads them.
 */
export {
  countFakeUsage,
  defaultFakeResponder,
  type FakeBehaviour,
  type FakeImage,
  type FakeModelRequest,
  type FakeProviderOptions,
  type FakeProviderServer,
  type FakeRecordedRequest,
  type FakeResponder,
  type FakeUsage,
} from './fake-provider.server';
export { startFakeOpenAiServer } from './fake-openai.server';
export { startFakeGeminiServer } from './fake-gemini.server';
export { readSample, samplePath } from './samples';
