ALTER TABLE `trades` ADD `legs` text;--> statement-breakpoint
ALTER TABLE `trades` ADD `override` integer DEFAULT false NOT NULL;