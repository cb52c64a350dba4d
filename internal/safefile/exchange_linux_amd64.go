package safefile

const sysRenameat2 = 316
