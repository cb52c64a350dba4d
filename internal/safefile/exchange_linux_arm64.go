package safefile

const sysRenameat2 = 276
