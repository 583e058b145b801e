export * from './locate-authorities';
