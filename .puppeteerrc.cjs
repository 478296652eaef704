// puppeteer must never download a browser: the set-up step finds one on the machine
// (PUPPETEER_EXECUTABLE_PATH, a system Chromium or Chrome) instead.
module.exports = { skipDownload: true };
