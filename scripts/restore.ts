import { runBackupCommand } from './backup-restore';

runBackupCommand('restore');
