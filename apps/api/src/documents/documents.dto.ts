import {
  DocumentDetail,
  DocumentList,
  DocumentSummary,
  ListDocumentsQuery,
  UploadDocumentBody,
} from '@quire/contracts';
import { createZodDto } from 'nestjs-zod';

export class DocumentSummaryDto extends createZodDto(DocumentSummary) {}
export class DocumentDetailDto extends createZodDto(DocumentDetail) {}
export class DocumentListDto extends createZodDto(DocumentList) {}
export class ListDocumentsQueryDto extends createZodDto(ListDocumentsQuery) {}
export class UploadDocumentBodyDto extends createZodDto(UploadDocumentBody) {}
