import { CreateRunBody, RunDetail } from '@quire/contracts';
import { createZodDto } from 'nestjs-zod';

export class CreateRunBodyDto extends createZodDto(CreateRunBody) {}
export class RunDetailDto extends createZodDto(RunDetail) {}
