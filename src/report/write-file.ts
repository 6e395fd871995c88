export { writeFileAtomic } from "../fs/atomic-write.js";
