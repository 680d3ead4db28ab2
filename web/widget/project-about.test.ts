import { describe, expect, test } from 'vitest';
import { CoordinatorAbout } from '../../protocol/about.ts';
import { projectInReply } from './project-about.ts';

const reply = CoordinatorAbout.parse({
  operator: 'Lab',
  settlingS: 60,
  projects: [
    {
      shortName: 'pulsars',
      name: 'Pulsar Survey',
      runBy: 'Radio Lab',
      purpose: 'Finds pulsars.',
      apps: [{ name: 'signal-search', title: 'Signal search', description: 'Bands of radio samples.' }],
    },
  ],
});

describe('projectInReply', () => {
  test('default: the named project of a reply the protocol schema accepts', () => {
    expect(projectInReply(reply, 'pulsars')).toEqual(reply.projects[0]);
  });
  test('error: another project, or a reply of another shape, gives null', () => {
    expect(projectInReply(reply, 'comets')).toBeNull();
    expect(projectInReply({ projects: [{ ...reply.projects[0], name: 7 }] }, 'pulsars')).toBeNull();
    expect(projectInReply({ projects: [{ ...reply.projects[0], apps: [{ name: 'x' }] }] }, 'pulsars')).toBeNull();
    expect(projectInReply('nonsense', 'pulsars')).toBeNull();
    expect(projectInReply(null, 'pulsars')).toBeNull();
  });
});
