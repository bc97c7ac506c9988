// Rejected lines of an event file are listed with their line and reason up to this many; beyond it
// they are only counted, so a report stays bounded however bad the file is.
export const rejections_listed_max = 10_000;
