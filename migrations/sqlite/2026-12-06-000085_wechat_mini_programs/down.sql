DROP TABLE wechat_mini_programs;
