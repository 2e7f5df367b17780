export {
  ensureSimImages,
  bundleSim,
  simImageRefs,
  SIM_VERSIONS,
  SIM_COMPOSE,
  type SimImage,
  type SimVersion,
} from './image/build-images.js';
