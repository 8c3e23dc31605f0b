import { Word, type TranscriptionView } from '@quire/contracts';
import type { Transcription } from '@quire/db';
import { z } from 'zod';

const Words = z.array(Word);

export function toTranscriptionView(revision: Transcription & { step: { runId: string } | null }): TranscriptionView {
  return {
    id: revision.id,
    pageId: revision.pageId,
    source: revision.source,
    stepId: revision.stepId,
    runId: revision.step?.runId ?? null,
    parentId: revision.parentId,
    text: revision.text,
    words: Words.parse(revision.words),
    meanConfidence: revision.meanConfidence,
    fields: revision.fields ?? null,
    engine: revision.engine,
    languages: revision.languages,
    createdAt: revision.createdAt.toISOString(),
  };
}
