// Readers for the ground-truth formats of the samples folder: plain text, FUNSD JSON, SROIE CSV,
// UNLV zone files and ALTO XML.
import { readFile } from 'node:fs/promises';

import type { ReferenceWord } from '@quire/models';

export interface Zone {
  x: number;
  y: number;
  width: number;
  height: number;
  type: string;
}

interface FunsdForm {
  form: { words: { text: string; box: [number, number, number, number] }[] }[];
}

interface SroieLine {
  text: string;
  left: number;
  top: number;
  bottom: number;
}

export function readText(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

/** Reads the words of a FUNSD annotation, with boxes `[x0, y0, x1, y1]` in pixels of the original image. */
export async function readFunsdWords(file: string): Promise<ReferenceWord[]> {
  const form = JSON.parse(await readFile(file, 'utf8')) as FunsdForm;
  if (!Array.isArray(form.form)) {
    throw new Error(`${file} is not a FUNSD annotation: it has no "form" array.`);
  }

  return form.form.flatMap((entity) =>
    entity.words.map(({ text, box: [x0, y0, x1, y1] }) => ({ text, bbox: { x0, y0, x1, y1 } })),
  );
}

/**
 * Reads a SROIE box file (`x1,y1,x2,y2,x3,y3,x4,y4,text` per line, where the text may contain
 * commas) and returns its text in reading order. Lines are grouped into rows, rows go from top to
 * bottom and the lines of a row from left to right, with one row per output line.
 */
export async function readSroieText(file: string): Promise<string> {
  const lines = parseSroieLines(await readFile(file, 'utf8'), file);

  return groupIntoRows(lines)
    .map((row) => row.map((line) => line.text).join(' '))
    .join('\n');
}

export function parseSroieLines(csv: string, source: string): SroieLine[] {
  const lines: SroieLine[] = [];
  csv.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '') {
      return;
    }

    // The first eight fields are the corner coordinates, and everything after the eighth comma is text.
    const fields = raw.split(',');
    const coordinates = fields.slice(0, 8).map(Number);
    if (fields.length < 9 || coordinates.some((value) => !Number.isFinite(value))) {
      throw new Error(`${source} line ${index + 1} is not "x1,y1,...,x4,y4,text": ${raw.slice(0, 80)}`);
    }
    const xs = coordinates.filter((_, position) => position % 2 === 0);
    const ys = coordinates.filter((_, position) => position % 2 === 1);
    lines.push({
      text: fields.slice(8).join(','),
      left: Math.min(...xs),
      top: Math.min(...ys),
      bottom: Math.max(...ys),
    });
  });

  return lines;
}

/** Groups lines whose vertical centre falls inside the first line of a row, then orders each row left to right. */
function groupIntoRows(lines: readonly SroieLine[]): SroieLine[][] {
  const byCentre = [...lines].sort((a, b) => a.top + a.bottom - (b.top + b.bottom));
  const rows: SroieLine[][] = [];
  for (const line of byCentre) {
    const row = rows.at(-1);
    const first = row?.[0];
    const centre = (line.top + line.bottom) / 2;
    if (row && first && centre >= first.top && centre <= first.bottom) {
      row.push(line);
    } else {
      rows.push([line]);
    }
  }

  return rows.map((row) => row.sort((a, b) => a.left - b.left));
}

/** Reads a UNLV `.uzn` zone file: one zone per line as `x y width height type`, in pixels. */
export async function readUznZones(file: string): Promise<Zone[]> {
  const zones: Zone[] = [];
  for (const line of (await readFile(file, 'utf8')).split(/\r?\n/)) {
    if (line.trim() === '') {
      continue;
    }
    const [x, y, width, height, ...type] = line.trim().split(/\s+/);
    const numbers = [x, y, width, height].map(Number);
    if (numbers.some((value) => !Number.isFinite(value))) {
      throw new Error(`${file} has a line that is not "x y width height type": ${line}`);
    }
    zones.push({ x: numbers[0]!, y: numbers[1]!, width: numbers[2]!, height: numbers[3]!, type: type.join(' ') });
  }

  return zones;
}

/**
 * Counts the words (`String` elements) of an ALTO file. ALTO writes each word as one flat
 * `<String .../>` element, so counting element starts gives the word count without an XML parser.
 */
export async function countAltoWords(file: string): Promise<number> {
  const xml = await readFile(file, 'utf8');
  if (!/<alto[\s>]/i.test(xml)) {
    throw new Error(`${file} is not an ALTO file: it has no <alto> element.`);
  }

  return xml.match(/<String[\s/>]/g)?.length ?? 0;
}
