// guru rm NAME|--all: remove loaded guru modules (disarming them first:
// module unload disarms, see guru_module_exit in kmod).
import type { GuruCommand } from './command.js';
import { UserError } from '../errors.js';

export const rmCommand: GuruCommand<{ name?: string; all?: boolean }> = {
  command: 'rm [name]',
  describe: 'remove a loaded guru module (name with or without the guru_ prefix)',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'module to remove' })
      .option('all', { type: 'boolean', describe: 'remove every loaded guru module' }),
  handler: async (args) => {
    const { loadedGuruModules, removeModule } = await import('../apply/kernelModules.js');
    const loaded = loadedGuruModules();
    let targets: string[];
    if (args.all) targets = loaded;
    else if (args.name) {
      const module = args.name.startsWith('guru_') ? args.name : `guru_${args.name}`;
      if (!loaded.includes(module)) throw new UserError(`${module} is not loaded`, loaded.length ? `loaded: ${loaded.join(', ')}` : 'no guru modules are loaded');
      targets = [module];
    } else throw new UserError('name a module to remove, or pass --all');
    for (const m of targets) {
      await removeModule(m);
      process.stdout.write(`removed ${m}\n`);
    }
  },
};
