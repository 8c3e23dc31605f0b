import {
  ModelProfileBody,
  ModelProfileList,
  ModelProfileView,
  ProviderList,
  UpdateModelProfileBody,
} from '@quire/contracts';
import { createZodDto } from 'nestjs-zod';

export class ModelProfileBodyDto extends createZodDto(ModelProfileBody) {}
export class UpdateModelProfileBodyDto extends createZodDto(UpdateModelProfileBody) {}
export class ModelProfileViewDto extends createZodDto(ModelProfileView) {}
export class ModelProfileListDto extends createZodDto(ModelProfileList) {}
export class ProviderListDto extends createZodDto(ProviderList) {}
