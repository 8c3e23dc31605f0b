# One image build for both apps; pick the app with --target api or --target worker.
FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json turbo.json tsconfig.base.json prisma.config.ts ./
COPY prisma ./prisma
COPY packages ./packages
COPY apps ./apps
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
# A named volume mounted here starts with this folder's owner, so the node user can write blobs.
RUN mkdir -p /data/blobs && chown node:node /data/blobs
# prisma (a dev dependency) is pruned, so migrations run from the build stage image: see the migrate service.
USER node

FROM runtime AS api
ENV API_HOST=0.0.0.0 API_PORT=3000
EXPOSE 3000
CMD ["node", "apps/api/dist/main.js"]

FROM runtime AS worker
# Native Tesseract is the worker's default OCR engine where installed: as accurate as tesseract.js and faster.
USER root
RUN apt-get update \
  && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra \
    tesseract-ocr-ita tesseract-ocr-spa tesseract-ocr-por tesseract-ocr-nld \
  && rm -rf /var/lib/apt/lists/*
USER node
CMD ["node", "apps/worker/dist/main.js"]

FROM build AS migrate
CMD ["npm", "run", "db:migrate"]
