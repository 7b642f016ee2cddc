export { PasswordHasher, type PasswordHasherOptions } from './password-hasher.js';
