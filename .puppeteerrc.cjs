// Pressroom drives the system Chromium (see src/render/find-chromium.ts);
// puppeteer's own browser download cannot work on machines without internet.
module.exports = { skipDownload: true };
