/**
 * Whether this browser can run the demos: asks the engine for its GPU and, when there is no WebGPU, puts a
 * notice on the page that says what is missing and how to turn it on, instead of failing silently.
 */
import { getGpu, WebGpuUnavailableError, type Gpu } from '../../src/index.js';

const HOW_TO_ENABLE = [
  'Use Chrome or Edge 113 or newer (WebGPU is on by default on Windows, macOS and ChromeOS).',
  'On Linux, start Chrome with --enable-unsafe-webgpu, or enable "Unsafe WebGPU Support" at chrome://flags/#enable-unsafe-webgpu and restart.',
  'Open the page over https or from localhost: WebGPU needs a secure origin.',
  'chrome://gpu says whether WebGPU is available and why not.',
];

/** The GPU, or null after showing the notice in `notice` (a hidden element revealed here). */
export async function requireWebGpu(notice: HTMLElement): Promise<Gpu | null> {
  try {
    return await getGpu();
  } catch (error) {
    if (!(error instanceof WebGpuUnavailableError)) throw error;
    showNotice(notice, error.message);
    return null;
  }
}

function showNotice(notice: HTMLElement, reason: string): void {
  notice.replaceChildren();
  const title = document.createElement('strong');
  title.textContent = 'WebGPU is not available in this browser, so the demos cannot run here.';
  const why = document.createElement('p');
  why.textContent = reason;
  const list = document.createElement('ul');
  for (const line of HOW_TO_ENABLE) {
    const item = document.createElement('li');
    item.textContent = line;
    list.append(item);
  }
  notice.append(title, why, list);
  notice.hidden = false;
  notice.classList.add('notice-error');
}

/** One line describing the adapter, e.g. "SwiftShader (Google, software)". */
export function describeAdapter(gpu: Gpu): string {
  const { vendor, architecture, description } = gpu.adapter;
  const name = description || [vendor, architecture].filter(Boolean).join(' ') || 'unnamed adapter';
  const software = /swiftshader|llvmpipe|lavapipe|software/i.test(`${vendor} ${architecture} ${description}`);
  return `${name}${software ? ' — a software GPU: training runs on the CPU, slowly' : ''}`;
}
