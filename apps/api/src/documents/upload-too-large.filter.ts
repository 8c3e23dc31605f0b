import { Catch, Inject, PayloadTooLargeException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

import { API_CONFIG, type ApiConfig } from '../config/api-config';

/** Replaces multer's bare "File too large" with the limit and the setting that raises it. */
@Catch(PayloadTooLargeException)
export class UploadTooLargeFilter implements ExceptionFilter {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  catch(_exception: PayloadTooLargeException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    response.status(413).json({
      statusCode: 413,
      error: 'Payload Too Large',
      message: `File is larger than the upload limit of ${this.config.MAX_UPLOAD_BYTES} bytes; the server's MAX_UPLOAD_BYTES setting raises it.`,
    });
  }
}
