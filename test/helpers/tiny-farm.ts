// The render farm tests' scene: POV-Ray's `ambient` animation from Debian's povray-examples.
export const SCENE = '/usr/share/doc/povray/examples/animations/ambient/ambient.pov';

/** `render-farm submit` arguments for three 32x24 frames of SCENE, one task each, into OUT###.png. */
export function tinyFarm(name: string, out: string): string[] {
  return [
    'submit',
    '--name',
    name,
    '--frames',
    '1-3',
    '--chunk',
    '1',
    '--',
    'povray',
    `+I${SCENE}`,
    '+W32',
    '+H24',
    '+KFI1',
    '+KFF3',
    '+SF{start}',
    '+EF{end}',
    '+KC',
    '-D',
    `+O${out}`,
  ];
}
