export { IngestError, type IngestErrorCode } from './ingest.error';
export { rasterizeDocument } from './rasterize-document';
export {
  DEFAULT_RASTER_LIMITS,
  type PdfTextWord,
  type RasterLimits,
  type RasterPage,
  type RasterizeOptions,
} from './raster.types';
