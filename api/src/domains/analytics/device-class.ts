/** The device class of a player from its User-Agent: coarse on purpose, the full string is never stored. */
export type DeviceClass = 'bot' | 'tv' | 'tablet' | 'mobile' | 'desktop' | 'other';

const RULES: readonly [DeviceClass, RegExp][] = [
  ['bot', /bot|crawler|spider|headlesschrome|curl|wget|python-requests/i],
  ['tv', /smart-?tv|tizen|webos|appletv|crkey|roku|bravia|hbbtv|android tv/i],
  ['tablet', /ipad|tablet|kindle|silk|playbook|(android(?!.*mobile))/i],
  ['mobile', /mobi|iphone|ipod|android|windows phone|blackberry|opera mini/i],
  ['desktop', /windows nt|macintosh|x11|linux|cros/i],
];

export function deviceClass(userAgent: string | undefined): DeviceClass {
  if (!userAgent) return 'other';
  for (const [device, pattern] of RULES) if (pattern.test(userAgent)) return device;
  return 'other';
}
