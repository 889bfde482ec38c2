# One image for every container of an exported world: the service runtime, the compose identity issuer and the
# observer (the controller with the editor). It copies bundles built on the host (`npm run build`), so the build
# runs no npm and no apt. BASE_IMAGE: any image with Node 20 or newer as `node` on the PATH.
ARG BASE_IMAGE=node:20
FROM ${BASE_IMAGE}
WORKDIR /app
COPY services/package.json services/package.json
COPY services/dist/main.js services/dist/main.js
# what main.js loads only when needed (undici, for a service with peers)
COPY services/dist/chunks services/dist/chunks
COPY server/package.json server/package.json
COPY server/dist/standalone.js server/dist/compose-pki.js server/dist/enroll.js server/dist/
COPY web/dist web/dist
ENV NODE_ENV=production
CMD ["node", "/app/services/dist/main.js"]
