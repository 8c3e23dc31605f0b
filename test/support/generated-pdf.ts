import { PDFDocument, StandardFonts } from 'pdf-lib';

/** Builds a PDF of `pages` pages, each with a few lines of text naming its page number and `label`. */
export async function buildTextPdf(label: string, pages: number): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (let index = 0; index < pages; index += 1) {
    const page = document.addPage([612, 792]);
    const lines = [
      `${label}: page ${index + 1} of ${pages}`,
      'The quick brown fox jumps over the lazy dog.',
      `Line three of page ${index + 1} holds the number ${1000 + index * 37}.`,
    ];
    lines.forEach((line, row) => page.drawText(line, { x: 72, y: 700 - row * 24, size: 16, font }));
  }

  return document.save();
}
