import { runBackupCommand } from './backup-restore';

runBackupCommand('backup');
